// @vitest-environment happy-dom
import { act, cleanup, render } from '@testing-library/react';
import { Component, createElement as h, type ReactNode, StrictMode, useState } from 'react';
import { renderToString } from 'react-dom/server';
import { Observable, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useLive, useLiveState } from '../../src/react/index.js';
import { eventually as retry } from '../support/eventually.js';
import { freshDatabase, Profile, User } from '../support/models.js';
import { databaseSession } from '../support/session.js';

const session = databaseSession(() => freshDatabase());
afterEach(() => cleanup());

/** `source`, counting its live subscriptions in `count.active`. */
function counted<T>(source: Observable<T>, count: { active: number; total: number }) {
  return new Observable<T>((subscriber) => {
    count.active++;
    count.total++;
    const subscription = source.subscribe(subscriber);
    return () => {
      count.active--;
      subscription.unsubscribe();
    };
  });
}

/** Resolves once `check` passes, letting React and the live queries run in between. */
const eventually = (check: () => void) =>
  retry(check, 3000, (ms) => act(() => new Promise((resolve) => setTimeout(resolve, ms))));

class Boundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    return this.state.error
      ? h('p', null, `caught: ${String(this.state.error)}`)
      : this.props.children;
  }
}

describe('dexorm/react useLive', () => {
  it('returns initial, then the live value, and follows each change', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    function Bio() {
      const profile = useLive(() => ada.profile$, [ada]);
      return h('p', null, profile === undefined ? 'none' : (profile?.bio ?? 'no profile'));
    }
    const view = render(h(Bio));
    await eventually(() => expect(view.container.textContent).toBe('no profile'));
    const profile = await ada.profileRelation().create({ bio: 'analyst' });
    await eventually(() => expect(view.container.textContent).toBe('analyst'));
    profile.bio = 'engine designer';
    await profile.save();
    await eventually(() => expect(view.container.textContent).toBe('engine designer'));
  });

  it('keeps the previous value while the new subscription loads after deps change', async () => {
    const [ada, bob] = await User.createMany([
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
    ]);
    await ada!.profileRelation().create({ bio: 'ada bio' });
    await bob!.profileRelation().create({ bio: 'bob bio' });
    const seen: string[] = [];
    let choose: (user: User) => void = () => undefined;
    function Bio() {
      const [user, setUser] = useState(ada!);
      choose = setUser;
      const profile = useLive(() => user.profile$, [user]);
      const text = profile === undefined ? 'undefined' : (profile?.bio ?? 'null');
      seen.push(text);
      return h('p', null, text);
    }
    const view = render(h(Bio));
    await eventually(() => expect(view.container.textContent).toBe('ada bio'));
    act(() => choose(bob!));
    await eventually(() => expect(view.container.textContent).toBe('bob bio'));
    const afterFirst = seen.slice(seen.indexOf('ada bio'));
    expect(afterFirst.every((text) => text === 'ada bio' || text === 'bob bio')).toBe(true);
  });

  it('throws a stream error to the nearest error boundary', async () => {
    const failing = new Subject<string>();
    function Shows() {
      return h(
        'p',
        null,
        useLive(() => failing, [], 'waiting'),
      );
    }
    // React reports the error it hands to the boundary on the console: keep that out of the output.
    const reported = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const view = render(h(Boundary, null, h(Shows)));
    expect(view.container.textContent).toBe('waiting');
    act(() => failing.error(new Error('stream failed')));
    await eventually(() => expect(view.container.textContent).toBe('caught: Error: stream failed'));
    reported.mockRestore();
  });

  it('leaves one live subscription under StrictMode, and none after unmount', async () => {
    const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
    const count = { active: 0, total: 0 };
    function Bio() {
      const profile = useLive(() => counted(ada.profile$, count), [ada]);
      return h('p', null, profile?.bio ?? '-');
    }
    const view = render(h(StrictMode, null, h(Bio)));
    await eventually(() => expect(view.container.textContent).toBe('-'));
    expect(count.active).toBe(1);
    view.unmount();
    expect(count.active).toBe(0);
    // Unmounted: a change to what it read makes no read at all.
    session.counter.reset();
    await Profile.create({ bio: 'later', user_id: ada.id });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(session.counter.count({ mode: 'readonly' })).toBe(0);
  });

  it('does not subscribe during server rendering', () => {
    const count = { active: 0, total: 0 };
    function Listing() {
      const users = useLive(() => counted(User.query().observe(), count), [], []);
      return h('p', null, `users: ${users.length}`);
    }
    expect(renderToString(h(Listing))).toBe('<p>users: 0</p>');
    expect(count.total).toBe(0);
  });
});

describe('dexorm/react useLiveState', () => {
  it('reports loading, then data, then the error with the last data kept', async () => {
    const stream = new Subject<number>();
    const states: string[] = [];
    function Value() {
      const { data, error, loading } = useLiveState(() => stream, []);
      const text = `${loading ? 'loading' : 'ready'}:${String(data)}:${error ? String(error) : 'ok'}`;
      states.push(text);
      return h('p', null, text);
    }
    const view = render(h(Value));
    expect(view.container.textContent).toBe('loading:undefined:ok');
    act(() => stream.next(1));
    expect(view.container.textContent).toBe('ready:1:ok');
    act(() => stream.error(new Error('boom')));
    expect(view.container.textContent).toBe('ready:1:Error: boom');
    expect(states).toContain('ready:1:ok');
  });

  it('is loading again after deps change, with the previous data kept', async () => {
    const streams = [new Subject<string>(), new Subject<string>()];
    let pick: (index: number) => void = () => undefined;
    function Value() {
      const [index, setIndex] = useState(0);
      pick = setIndex;
      const { data, loading } = useLiveState(() => streams[index]!, [index]);
      return h('p', null, `${loading}:${data}`);
    }
    const view = render(h(Value));
    act(() => streams[0]!.next('first'));
    expect(view.container.textContent).toBe('false:first');
    act(() => pick(1));
    expect(view.container.textContent).toBe('true:first');
    act(() => streams[1]!.next('second'));
    expect(view.container.textContent).toBe('false:second');
  });
});
