/**
 * The App's input paths: typed keys (several may arrive in one read), pastes (text for the filter
 * prompt, never keys), function keys (read from the raw input, as Ink does not name them) and
 * mouse reports (the wheel moves the selection; a click selects a row or sorts a column). Each
 * ends in the one reducer with the screen as it was last drawn, and hands the result on.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { useInput, useStdin, type Key } from 'ink';
import type { ViewSnapshot } from '../proc/view.js';
import {
  activeTable,
  functionKey,
  mouseReport,
  reduceClick,
  reduceInput,
  reduceKey,
  resolveSelection,
  type KeyContext,
  type KeyResult,
} from './keymap.js';
import type { UiState } from './state.js';
import { columnAt, tableWindow } from './Table.js';
import { viewSpec } from './views/registry.js';

/** The screen the input acts on: the state and the frame last drawn. */
export interface InputScreen {
  state: UiState;
  ctx: Partial<KeyContext>;
  /** The latest snapshot published (what a freeze holds on to). */
  live: ViewSnapshot | undefined;
  /** The snapshot drawn (frozen or live). */
  snapshot: ViewSnapshot | undefined;
  /** The terminal line (from 0) of the table's header, the body's lines and the width. */
  bodyTop: number;
  body: number;
  width: number;
}

/**
 * A ref to the screen last drawn. The input reads it synchronously (several keys can arrive
 * between two renders); it is set in a layout effect, in place before the next key, which may
 * arrive before passive effects run.
 */
export function useScreenRef(screen: InputScreen): RefObject<InputScreen> {
  const ref = useRef(screen);
  useLayoutEffect(() => {
    ref.current = screen;
  });
  return ref;
}

type MouseReport = NonNullable<ReturnType<typeof mouseReport>>;

/** A mouse report: the wheel moves the selection; a click selects a row or sorts a column. */
export function mouseResult(m: MouseReport, screen: InputScreen): KeyResult | undefined {
  const { state, ctx } = screen;
  if (!m.press || (m.button & 32) !== 0 || state.mode !== 'normal') return undefined;
  if ((m.button & 64) !== 0) {
    const down = (m.button & 1) === 1;
    return reduceInput(state, '', down ? { downArrow: true } : { upArrow: true }, ctx);
  }
  if ((m.button & 3) !== 0) return undefined; // left button only
  const line = m.y - 1 - screen.bodyTop; // 0: the table's header
  if (line === 0) {
    const columns = viewSpec(state.view).columns(state, screen.snapshot);
    const column = columnAt(columns, screen.width, m.x - 1);
    return column ? reduceClick(state, { kind: 'header', column }, ctx) : undefined;
  }
  const rowKeys = ctx.rowKeys ?? [];
  const selected = resolveSelection(state.selection[activeTable(state)], rowKeys);
  const w = tableWindow(rowKeys.length, screen.body, selected);
  if (line < 1 || line > w.visible) return undefined;
  return reduceClick(state, { kind: 'row', index: w.start + line - 1 }, ctx);
}

/**
 * Typed input, between the terminal's paste brackets or not: keys go to the reducer; pasted text
 * goes into an open prompt as text, and elsewhere is dropped.
 */
function usePaste(): (input: string, key: Key, screen: InputScreen) => KeyResult | undefined {
  const pasting = useRef(false);
  return useCallback((input, key, { state, ctx }) => {
    if (input === '[200~' || input === '\x1b[200~') {
      pasting.current = true;
      return undefined;
    }
    if (input === '[201~' || input === '\x1b[201~') {
      pasting.current = false;
      return undefined;
    }
    if (!pasting.current) return reduceInput(state, input, key, ctx);
    return state.mode === 'filter' ? reduceKey(state, input, {}, ctx) : undefined;
  }, []);
}

/** Function keys reach useInput without a name (F1 and F10 alike): read their sequences here. */
function useFunctionKeys(onKey: (input: string, key: Key) => void): void {
  const { internal_eventEmitter: rawInput } = useStdin();
  useEffect(() => {
    const onRaw = (raw: string): void => {
      const f = functionKey(raw);
      if (f) onKey(f, {} as Key);
    };
    rawInput.on('input', onRaw);
    return () => {
      rawInput.removeListener('input', onRaw);
    };
  }, [rawInput, onKey]);
}

/** Every input path, into the reducer, with its result handed to `apply`. */
export function useKeys(
  screenRef: RefObject<InputScreen>,
  apply: (result: KeyResult) => void,
): void {
  const typed = usePaste();
  const onKey = useCallback(
    (input: string, key: Key) => {
      const mouse = mouseReport(input);
      const result = mouse
        ? mouseResult(mouse, screenRef.current)
        : typed(input, key, screenRef.current);
      if (result) apply(result);
    },
    [screenRef, typed, apply],
  );
  useInput(onKey);
  useFunctionKeys(onKey);
}
