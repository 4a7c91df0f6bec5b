import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { MAX_SEND_BYTES } from '../core/terminal-protocol.js';

/** What a terminal sends for Enter. */
const ENTER = '\r';

export function registerSend(program: Command): void {
  program
    .command('send')
    .description("type text into a --tty task's terminal, then Enter")
    .argument('<id>', 'task id or a unique prefix of one')
    .argument('<text>', 'what to type; "-" reads it from stdin')
    .option('--no-enter', 'send the text as it is, without Enter (keys, a partial line)')
    .addHelpText(
      'after',
      `
Examples:
  dev-tools send mh3k y                      # answers "Proceed? [y/N]"
  dev-tools send mh3k "fix the failing test"
  dev-tools send mh3k --no-enter $'\\x03'      # Ctrl+C, as a terminal sends it
  git diff | dev-tools send mh3k -          # stdin, then Enter`,
    )
    .action(async (idInput: string, text: string, opts: { enter: boolean }) => {
      let data: string;
      if (text === '-') {
        // As $(...) does: the newline that ends what was piped is not part of the text.
        data = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      } else data = text;
      if (data.includes('\0')) throw new UsageError('the text contains a NUL character');
      if (opts.enter) data += ENTER;
      if (data === '') throw new UsageError('nothing to send: the text is empty (and --no-enter leaves out Enter)');
      if (Buffer.byteLength(data) > MAX_SEND_BYTES) {
        throw new UsageError(`the text is too long (${Buffer.byteLength(data)} bytes; send takes at most ${MAX_SEND_BYTES})`);
      }
      const [{ openContext }, { sendToTerminal }] = await Promise.all([import('./context.js'), import('../runner/terminal-client.js')]);
      const { store } = await openContext({ lastValidConfig: true });
      await sendToTerminal(store, store.resolveId(idInput), Buffer.from(data, 'utf8'));
    });
}
