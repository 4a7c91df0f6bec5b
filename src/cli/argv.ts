/** The words after "--" on the command line: `task`'s command, never parsed as options. */
export const dashed: { command: string[] | null } = { command: null };
