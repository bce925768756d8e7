import { z } from 'zod';

/** A configuration problem: the variable and what is wrong with it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown by `parseConfig`; `problems` lists every bad or missing variable at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.variable}: ${p.message}`).join('\n'));
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Returns a frozen result or throws a ConfigError naming every problem.
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.output<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        const missing = issue.code === 'invalid_type' && env[variable] === undefined;
        return { variable, message: missing ? 'is required' : issue.message };
      }),
    );
  }
  return Object.freeze(parsed.data);
}

/**
 * For an app's entry point: parses the config or prints one line per problem and exits 1.
 */
export function loadConfigOrExit<S extends z.ZodObject>(
  app: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.output<S>> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems)
      process.stderr.write(`${app}: configuration: ${p.variable} ${p.message}\n`);
    process.stderr.write(
      `${app}: fix the variables above (see README.md, Configuration) and start again.\n`,
    );
    process.exit(1);
  }
}
