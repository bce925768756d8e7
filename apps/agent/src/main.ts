import { agentConfigSchema, loadConfigOrExit } from '@flotilla/config';

// The agent's protocol (register, heartbeat, desired state, status) arrives with the clusters
// issue. Until then it validates its configuration and checks that the hub answers, so the
// Helm chart and the image can already be exercised end to end.
async function main(): Promise<void> {
  const config = loadConfigOrExit('agent', agentConfigSchema);
  const url = new URL('/healthz', config.FLOTILLA_HUB_URL);
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok)
    throw new Error(`the hub at ${config.FLOTILLA_HUB_URL} answered ${res.status} on /healthz`);
  process.stdout.write(
    `agent: the hub at ${config.FLOTILLA_HUB_URL} answers; registration is not available in this version yet\n`,
  );
  process.exit(3);
}

main().catch((error: Error) => {
  process.stderr.write(
    `agent: ${error.message}\nagent: check FLOTILLA_HUB_URL and that the hub is reachable from this cluster.\n`,
  );
  process.exit(1);
});
