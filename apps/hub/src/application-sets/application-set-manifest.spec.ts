import { DomainError } from '@flotilla/domain';
import { readSubmittedManifest } from './application-set-manifest';

const manifest = (strategy: string) => `
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web}
spec:
  generators: [{clusters: {}}]
  template:
    metadata: {name: 'web-{{name}}'}
    spec:
      project: default
      source: {repoURL: 'https://git.example.com/web.git', path: deploy, targetRevision: main}
      destination: {server: '{{server}}', namespace: web}
${strategy}`;

describe('readSubmittedManifest: spec.strategy', () => {
  it('accepts RollingSync as Argo CD users write it, and the Progressive form', () => {
    expect(
      readSubmittedManifest(
        manifest(`  strategy:
    type: RollingSync
    rollingSync:
      steps:
        - matchExpressions: [{key: env, operator: In, values: [dev]}]
        - matchExpressions: [{key: env, operator: In, values: [prod]}]
          maxUpdate: 10%`),
      ).name,
    ).toBe('web');
    expect(
      readSubmittedManifest(
        manifest(`  strategy:
    type: Progressive
    progressive:
      steps: [{name: canary, clusters: {matchLabels: {ring: canary}}}, {name: rest}]`),
      ).name,
    ).toBe('web');
  });

  it('refuses a bad strategy, naming the field under manifest', () => {
    let error: unknown;
    try {
      readSubmittedManifest(
        manifest(`  strategy:
    type: Progressive
    progressive:
      steps: [{percent: 10, maxUnavailable: 'ten'}]`),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'manifest.spec.strategy.progressive.steps[0].maxUnavailable',
      message: expect.stringMatching(
        /^manifest\.spec\.strategy\.progressive\.steps\[0\]\.maxUnavailable: must be a non-negative integer or a percentage/,
      ),
    });
  });
});
