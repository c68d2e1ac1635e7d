/**
 * What the App tells the controller: the reducer's effects (quit, refresh, recording, playback),
 * the filter the events tail should carry, and the row the latency panel shows.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { OpcodeNames } from '../model/opcodes.js';
import { formatFilter, type Filter } from '../model/select.js';
import type { ViewSnapshot } from '../proc/view.js';
import type { Effect } from './keymap.js';
import type { UiState } from './state.js';
import type { TuiController } from './types.js';
import { filterOf, tailFilter } from './viewModel.js';

/** Runs the reducer's effects against the controller. */
export function useEffectRunner(controller: TuiController, exit: () => void): (e: Effect) => void {
  return useCallback(
    (e: Effect) => {
      switch (e.type) {
        case 'quit':
          exit();
          controller.quit();
          break;
        case 'setRefresh':
          controller.setRefreshMs(e.ms);
          break;
        case 'toggleRecording':
          controller.toggleRecording?.();
          break;
        case 'replay': {
          const r = controller.replay;
          if (!r) break;
          if (e.action === 'togglePause') r.togglePause();
          else if (e.action === 'seek') r.seek(e.deltaSec);
          else if (e.action === 'changeSpeed') r.changeSpeed(e.factor);
          else r.jump(e.to);
          break;
        }
      }
    },
    [controller, exit],
  );
}

/** Tells the controller the filter on screen (narrowed to the drilled-into process). */
export function useControllerFilter(
  controller: TuiController,
  ui: UiState,
  filter: Filter,
  snap: ViewSnapshot | undefined,
  names: OpcodeNames,
): void {
  const tail = useMemo(() => tailFilter(ui, filter, snap), [ui, filter, snap]);
  const tailText = formatFilter(tail, names);
  useEffect(() => {
    controller.setFilter?.(filterOf(tailText, names), filter);
  }, [controller, tailText, names, filter]);
}

/** Tells the controller the latency panel's row, so its figures are computed only while open. */
export function useLatencyTarget(
  controller: TuiController,
  target: { key: string; limit: number } | undefined,
): void {
  const latencyKey = target?.key;
  const latencyLimit = target?.limit ?? 0;
  const latencyAsked = useRef(false);
  useEffect(() => {
    if (latencyKey === undefined && !latencyAsked.current) return; // closed, and never opened
    latencyAsked.current = latencyKey !== undefined;
    controller.setLatency?.(
      latencyKey === undefined ? undefined : { key: latencyKey, limit: latencyLimit },
    );
  }, [controller, latencyKey, latencyLimit]);
}
