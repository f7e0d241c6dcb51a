import { Dexie } from 'dexie';

// Dexie turns on its debug mode on pages served from localhost, as the browser tests are: every
// failed table call is then printed with console.trace. The tests inject and provoke failures on
// purpose and assert on each one, so those traces only bury the output that matters.
Dexie.debug = false;
