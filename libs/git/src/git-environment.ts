import { join } from 'node:path';

/**
 * The whole environment of a git child: nothing inherited but PATH, so no system or user config,
 * credential helper, askpass or proxy setting of the host changes what git does. `home` is the
 * cache's private home; only https and ssh are allowed (and file when `allowFileUrls`), also for
 * submodules and redirects; no hooks run.
 */
export function gitEnvironment(
  home: string,
  allowFileUrls = false,
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['protocol.ssh.allow', 'always'],
    ['protocol.file.allow', allowFileUrls ? 'always' : 'never'],
    ['credential.helper', ''],
    ['core.hooksPath', '/dev/null'],
    ['gc.autoDetach', 'false'],
  ];
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(
      config.flatMap(([key, value], i) => [
        [`GIT_CONFIG_KEY_${i}`, key],
        [`GIT_CONFIG_VALUE_${i}`, value],
      ]),
    ),
    ...extra,
  };
}
