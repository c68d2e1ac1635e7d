/**
 * Replay's registered-file marks: the CSV's fd column cannot say that a row's fd is a
 * registered-file index, the recording's sidecar can (sidecar.ts: RecordedFiles.isFixed). This
 * sink marks each row so before the model takes it, and passes everything else on unchanged.
 * Used only when the sidecar has registered files: one Set lookup per row otherwise skipped.
 */
import type { ModelCheckpoint } from '../model/model.js';
import type { Model } from '../model/model.js';
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import type { ReplaySink, SinkState } from '../record/checkpoints.js';
import type { RecordedFiles } from './sidecar.js';

export class MarkingSink implements ReplaySink {
  constructor(
    private readonly model: Model,
    private readonly files: RecordedFiles,
  ) {}

  push(ev: IoEvent): void {
    ev.fixedFile = this.files.isFixed(ev);
    this.model.push(ev);
  }

  pushCounts(d: CountsDelta): void {
    this.model.pushCounts(d);
  }

  advance(nowUs: number): void {
    this.model.advance(nowUs);
  }

  reset(): void {
    this.model.reset();
  }

  checkpoint(): SinkState {
    return this.model.checkpoint();
  }

  restore(state: SinkState): void {
    this.model.restore(state as ModelCheckpoint);
  }

  get checkpointBytes(): number {
    return this.model.checkpointBytes;
  }
}
