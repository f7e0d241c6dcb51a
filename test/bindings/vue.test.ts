// @vitest-environment happy-dom
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, defineComponent, effectScope, h, nextTick, ref } from 'vue';
import { useLive } from '../../src/vue/index.js';
import { eventually } from '../support/eventually.js';
import { freshDatabase, User } from '../support/models.js';
import { databaseSession } from '../support/session.js';

const session = databaseSession(() => freshDatabase());
let host: HTMLElement | undefined;
afterEach(() => host?.remove());

describe('dexorm/vue useLive', () => {
  it('renders the live value in a component and follows changes', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const Bio = defineComponent({
      setup() {
        const profile = useLive(() => ada.profile$);
        return () => h('p', profile.value === undefined ? 'none' : (profile.value?.bio ?? '-'));
      },
    });
    host = document.createElement('div');
    document.body.append(host);
    const app = createApp(Bio);
    app.mount(host);
    await eventually(() => expect(host!.textContent).toBe('-'));
    await ada.profileRelation().create({ bio: 'analyst' });
    await eventually(() => expect(host!.textContent).toBe('analyst'));
    app.unmount();
  });

  it('re-subscribes when reactive state read by the factory changes, keeping the value meanwhile', async () => {
    const streams = [new Subject<string>(), new Subject<string>()];
    const index = ref(0);
    const scope = effectScope();
    const value = scope.run(() => useLive(() => streams[index.value]!, 'initial'))!;
    expect(value.value).toBe('initial');
    streams[0]!.next('zero');
    expect(value.value).toBe('zero');
    index.value = 1;
    await nextTick();
    expect(value.value).toBe('zero');
    streams[0]!.next('stale');
    expect(value.value).toBe('zero');
    streams[1]!.next('one');
    expect(value.value).toBe('one');
    scope.stop();
    expect(streams[1]!.observed).toBe(false);
  });

  it('ends the subscription when its scope is disposed: no more reads', async () => {
    await User.create({ name: 'Ada', email: 'ada@example.com' });
    const scope = effectScope();
    const users = scope.run(() => useLive(() => User.query().observe(), []))!;
    await eventually(() => expect(users.value.length).toBe(1));
    scope.stop();
    session.counter.reset();
    await User.create({ name: 'Bob', email: 'bob@example.com' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(session.counter.count({ mode: 'readonly' })).toBe(0);
    expect(users.value.length).toBe(1);
  });

  it("hands a stream error to the app's errorHandler and keeps the last value", async () => {
    const stream = new Subject<number>();
    const errors: unknown[] = [];
    let shown: { value: number | undefined } | undefined;
    const Value = defineComponent({
      setup() {
        const value = useLive(() => stream);
        shown = value;
        return () => h('p', String(value.value));
      },
    });
    host = document.createElement('div');
    const app = createApp(Value);
    app.config.errorHandler = (error) => {
      errors.push(error);
    };
    app.mount(host);
    stream.next(7);
    stream.error(new Error('stream failed'));
    expect(errors).toEqual([new Error('stream failed')]);
    expect(shown?.value).toBe(7);
    app.unmount();
  });
});
