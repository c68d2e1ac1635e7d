/**
 * The one place snapshots are published to React: a tiny external store. The CLI builds one
 * snapshot per tick and calls publish(); React re-renders once per publish, whatever the event rate.
 */
import type { Snapshot } from './model/snapshot.js';
import type { SnapshotStore, SourceStatus } from './ui/types.js';

export class TickStore implements SnapshotStore {
  private snap: Snapshot | undefined;
  private status: SourceStatus | undefined;
  private readonly listeners = new Set<() => void>();

  subscribe = (onChange: () => void): (() => void) => {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  };

  getSnapshot = (): Snapshot | undefined => this.snap;

  getStatus = (): SourceStatus | undefined => this.status;

  publish(snap: Snapshot | undefined, status: SourceStatus | undefined): void {
    this.snap = snap;
    this.status = status;
    for (const l of this.listeners) l();
  }
}

/**
 * Holds the TUI until the user quits (or the source fails and resolves `quitting`) or the display
 * itself fails; then runs `beforeStop`, unmounts, and waits until the terminal is restored.
 * Returns the display failure, if there was one.
 */
export async function holdTui(
  ui: { done: Promise<void>; stop(): void },
  quitting: Promise<void>,
  beforeStop: () => void,
): Promise<string | undefined> {
  let failure: string | undefined;
  await Promise.race([
    quitting,
    ui.done.catch((e: Error) => (failure = `display failed: ${e.message}`)),
  ]);
  beforeStop();
  ui.stop();
  await ui.done.catch(() => undefined);
  return failure;
}
