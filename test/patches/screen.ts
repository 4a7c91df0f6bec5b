// A terminal screen, as much of one as Ink's renderer uses: text, newlines, cursor moves
// (up, to a column, to a row and column, next line) and erasing (to the end of the line,
// the whole line, everything below). A line that reaches the last row scrolls the screen;
// text wraps at the right edge (as xterm does: the character after the last column goes
// to the next line). What the patches of Ink's renderer are checked on: the picture a
// terminal would show.
export class Screen {
  private lines: string[];
  private row = 0;
  private col = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
    lines: string[] = [],
  ) {
    this.lines = Array.from({ length: rows }, (_, i) => (lines[i] ?? '').slice(0, columns));
  }

  /** The terminal made narrower or wider: what was shown stays, cropped (xterm's way), and so does the cursor. */
  resized(columns: number, rows: number): Screen {
    const next = new Screen(columns, rows, this.lines);
    next.row = Math.min(this.row, rows - 1);
    next.col = Math.min(this.col, columns);
    return next;
  }

  write(data: string): void {
    for (const [, csi, params, final, text] of data.matchAll(/(\x1b\[([?0-9;]*)([A-Za-z]))|([^\x1b]+)/g)) {
      if (csi) this.control(params!, final!);
      else for (const ch of text!) this.put(ch);
    }
  }

  /** The screen's text, each row without its trailing blanks. */
  text(): string[] {
    return this.lines.map((l) => l.trimEnd());
  }

  private control(params: string, final: string): void {
    if (params.startsWith('?')) return; // modes: the cursor shown or hidden
    const [a = 0, b = 0] = params.split(';').map((p) => (p === '' ? 0 : Number(p)));
    const line = () => this.lines[this.row]!;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - Math.max(1, a));
        break;
      case 'G':
        this.col = Math.max(1, a) - 1;
        break;
      case 'H':
        this.row = Math.min(this.rows - 1, Math.max(1, a) - 1);
        this.col = Math.max(1, b) - 1;
        break;
      case 'E':
        this.newline();
        this.col = 0;
        break;
      case 'K':
        if (a === 2) this.lines[this.row] = '';
        else this.lines[this.row] = line().slice(0, this.col);
        break;
      case 'J':
        this.lines[this.row] = line().slice(0, this.col);
        for (let r = this.row + 1; r < this.rows; r++) this.lines[r] = '';
        break;
      default:
        throw new Error(`the screen does not know ESC[${params}${final}`);
    }
  }

  private put(ch: string): void {
    if (ch === '\n') {
      this.newline();
      this.col = 0;
      return;
    }
    if (ch === '\r') {
      this.col = 0;
      return;
    }
    if (this.col >= this.columns) {
      this.newline();
      this.col = 0;
    }
    const line = this.lines[this.row]!.padEnd(this.col);
    this.lines[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
    this.col++;
  }

  private newline(): void {
    if (this.row < this.rows - 1) this.row++;
    else this.lines = [...this.lines.slice(1), ''];
  }
}
