/**
 * Vue bindings for dexorm's live Observables: `import { useLive } from 'dexorm/vue'`.
 * @packageDocumentation
 */
export { useLive } from './use-live.js';
