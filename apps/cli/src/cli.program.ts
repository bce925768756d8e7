import { Command, Option } from 'commander';
import { appsetGenerate, type AppsetGenerateOptions } from './appset-generate.command';

/** Builds the `flotilla` command line. */
export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('flotilla')
    .description('Flotilla: multi-cluster GitOps hub')
    .showHelpAfterError();
  const appset = program.command('appset').description('ApplicationSet commands');
  appset
    .command('generate')
    .description('render an ApplicationSet offline, exactly as the hub would')
    .requiredOption('-f, --file <file>', 'ApplicationSet manifest (YAML or JSON)')
    .option(
      '--clusters <file>',
      'YAML/JSON list of {name, server, labels, annotations, project} (Argo CD cluster secrets)',
    )
    .option(
      '--repo <url=path>',
      'map a repoURL to a local Git repository or folder (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['yaml', 'json', 'params'])
        .default('yaml'),
    )
    .option(
      '--no-local-cluster',
      'no implicit in-cluster destination (https://kubernetes.default.svc)',
    )
    .option(
      '--enable-new-git-file-globbing',
      'doublestar globbing for Git file generators (Argo CD controller switch)',
      false,
    )
    .option('--enable-progressive-syncs', 'progressive syncs (Argo CD controller switch)', false)
    .action(async (opts: AppsetGenerateOptions) => {
      const code = await appsetGenerate(opts, {
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
      });
      exit(code);
    });
  return program;
}
