/** The recording reader's one error: what cannot be read, where, and why. */
import { escape } from '../escape.js';

/** A row or file that cannot be read; the message is `file:line: reason: text`. */
export class CsvFormatError extends Error {
  readonly file: string;
  readonly line: number;
  /**
   * One bad row, which --lenient would skip (and count); false for what no option gets past:
   * a file that is not a recording, cannot be opened, is empty or holds a line over 1 MiB.
   */
  readonly skippable: boolean;
  constructor(file: string, line: number, message: string, skippable = false) {
    // the file name is shown too: a shared recording's name is as untrusted as its rows
    const where = escape(file, 300);
    super(line > 0 ? `${where}:${line}: ${message}` : `${where}: ${message}`);
    this.name = 'CsvFormatError';
    this.file = file;
    this.line = line;
    this.skippable = skippable;
  }
}
