/**
 * Replay's registered-file marks: the CSV's fd column cannot say that a row's fd is a
 * registered-file index, the recording's sidecar can (sidecar.ts: RecordedFiles.isFixed). This
 * sink marks each row so before the model takes it, and passes everything else on unchanged.
 * Used only when the sidecar has registered files: one Set lookup per row otherwise skipped.
 */
import type { Model } from '../model/model.js';
import type { IoEvent } from '../model/event.js';
import { ForwardingSink } from '../record/checkpoints.js';
import type { RecordedFiles } from './sidecar.js';

export class MarkingSink extends ForwardingSink {
  constructor(
    model: Model,
    private readonly files: RecordedFiles,
  ) {
    super(model);
  }

  override push(ev: IoEvent): void {
    ev.fixedFile = this.files.isFixed(ev);
    this.inner.push(ev);
  }
}
