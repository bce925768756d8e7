/**
 * Announces a push of `commit` on `main` of `repoURL` to a hub, as GitLab would (push hook with
 * the secret token): what tests, benchmarks and the demo use to move a repository's revision
 * at once instead of waiting for the resync. Throws when the hub refuses it.
 */
export async function announcePush(
  hubUrl: string,
  secret: string,
  repoURL: string,
  commit: string,
): Promise<void> {
  const res = await fetch(`${hubUrl}/api/webhooks/git`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': secret,
    },
    body: JSON.stringify({
      object_kind: 'push',
      ref: 'refs/heads/main',
      after: commit,
      project: { git_http_url: repoURL },
    }),
  });
  if (!res.ok)
    throw new Error(`the hub refused the push webhook: ${res.status} ${await res.text()}`);
}
