/**
 * Ink decides once, when it is first imported, whether it runs under CI (is-in-ci: CI or
 * CONTINUOUS_INTEGRATION set), and then draws no live frames. iouringtop starts its TUI only on a
 * terminal, so a CI variable inherited from the user's shell (common on build hosts) must not
 * turn the display off. Call before anything imports Ink.
 */
export function letInkDrawInTerminal(): void {
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION'])
    if (name in process.env) process.env[name] = 'false';
}
