/**
 * A real terminal for the TUI tests: a detached tmux session running one command, read back with
 * capture-pane. The command's exit status is written to a file by the shell in the pane (tmux does
 * not always record pane_dead_status).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './env.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TmuxPane {
  private readonly statusFile = path.join(tempDir('iouringtop-tmux-'), 'exit-status');

  constructor(
    readonly name: string,
    command: string,
    size = { columns: 120, rows: 35 },
  ) {
    this.tmux(
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(size.columns),
      '-y',
      String(size.rows),
      `${command}; echo $? > ${this.statusFile}`,
    );
    this.tmux('set-option', '-t', name, 'remain-on-exit', 'on');
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', args).toString();
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name);
  }

  /** Polls the screen until `pred` holds; throws with the last screen otherwise. */
  async until(pred: (screen: string) => boolean, what: string, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    let s = '';
    while (Date.now() < end) {
      s = this.screen();
      if (pred(s)) return s;
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
  }

  /** Named keys (Enter, Left, S-Right, Space, …). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Literal text, one key at a time as a person types (a burst arrives as one input string). */
  async type(text: string): Promise<void> {
    for (const key of text) {
      this.tmux('send-keys', '-t', this.name, '-l', key);
      await sleep(60);
    }
  }

  /** The pane's process (the shell that runs the command). */
  pid(): number {
    return Number(this.tmux('display', '-p', '-t', this.name, '#{pane_pid}').trim());
  }

  alternateScreen(): boolean {
    return this.tmux('display', '-p', '-t', this.name, '#{alternate_on}').trim() === '1';
  }

  /** Waits for the command to end; its exit status as the shell saw it. */
  async exitStatus(ms = 15_000): Promise<string> {
    await this.until(
      () => this.tmux('display', '-p', '-t', this.name, '#{pane_dead}').trim() === '1',
      'the command to exit',
      ms,
    );
    return readFileSync(this.statusFile, 'utf8').trim();
  }

  kill(): void {
    try {
      this.tmux('kill-session', '-t', this.name);
    } catch {
      // already gone
    }
  }
}
