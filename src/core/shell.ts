// Shell quoting, in one place: for a script dev-tools writes (a Slurm job's), and for a
// command shown to a person who may paste it into a shell.

/** `sh` single quoting: the value reaches the program as one argument, whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** An argv as a shell line a user could paste, quoted only where a shell would need it. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a))).join(' ');
}
