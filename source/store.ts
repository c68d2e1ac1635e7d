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
