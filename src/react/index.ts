/**
 * React bindings for dexorm's live Observables: `import { useLive } from 'dexorm/react'`.
 * @packageDocumentation
 */
export { type LiveState, useLive, useLiveState } from './use-live.js';
