/** A modern kernel's features (6.x, BTF): what the program tests generate against. */
import type { KernelFeatures } from '../../bpf/program.js';

export const MODERN_FEATURES: KernelFeatures = {
  submitTracepoint: 'io_uring_submit_req',
  submitHasReq: true,
  submitHasFlags: true,
  completeHasReq: true,
  completeHasCflags: true,
  hasOpStr: true,
  hasReqFailed: true,
  hasCqeOverflow: true,
  hasFileGet: true,
  fileGetHasReq: true,
  hasCpuIdle: true,
  hasCreate: true,
  exitHasGroupDead: true,
  btf: {
    kiocbCqeFd: true,
    ioRw: true,
    ioSync: true,
    ioSrMsg: true,
    ioOpen: true,
    ioStatx: true,
    ioClose: true,
    kiocbTctxTask: true,
    apollMultishotBit: 27,
    ioPollEvents: true,
  },
  taskCommOffset: 1752,
  ctxTctxListOffset: 1536,
};
