// commander requires node:child_process when it loads, for executable subcommands, which
// dev-tools has none of: loading it costs every command a few milliseconds. Patched, it is
// required when commander would spawn, never otherwise.
/** @type {import('./index.mjs').Patch} */
export default {
  package: 'commander',
  version: '14.0.3',
  file: 'lib/command.js',
  why: 'node:child_process required only when commander spawns (never, here): a few ms off every command',
  edits: [
    [
      "const childProcess = require('node:child_process');",
      "const childProcess = { get spawn() { return require('node:child_process').spawn; } };",
    ],
  ],
};
