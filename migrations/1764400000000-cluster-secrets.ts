import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sealed secrets of clusters (the kubeconfig of a push-mode cluster), kept out of the event log
 * on purpose: the log is forever, and a secret must be replaceable, re-encrypted under a new key,
 * and gone for good when its cluster leaves. Events record only the secret's fingerprint.
 * `sealed` is a SecretBox envelope (libs/secrets) bound to `cluster/<id>/kubeconfig`.
 */
export class ClusterSecrets1764400000000 implements MigrationInterface {
  name = 'ClusterSecrets1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cluster_kubeconfigs (
        cluster_id  text PRIMARY KEY,
        sealed      text NOT NULL,
        fingerprint text NOT NULL,
        key_id      text NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cluster_kubeconfigs');
  }
}
