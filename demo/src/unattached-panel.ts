import { button, h } from './dom';
import { EmissionCounter } from './emissions';
import { Profile, type User } from './models';
import { attempt, showError } from './notice';
import { selectedUser$ } from './selection';

/** Profiles whose `user_id` is null (after a dissociation), to attach again or delete. */
export function unattachedPanel(): HTMLElement {
  const counter = new EmissionCounter('unattached-emissions');
  const list = h('ul', { class: 'plain-list', testid: 'unattached-list' });
  const empty = h('p', { class: 'muted', text: 'None: every profile belongs to a user.' });

  let profiles: Profile[] = [];
  let user: User | null = null;

  const render = () => {
    empty.hidden = profiles.length > 0;
    list.replaceChildren(...profiles.map((profile) => item(profile, user)));
  };

  Profile.where('user_id', null)
    .observe()
    .subscribe({
      next(value) {
        counter.tick();
        profiles = value;
        render();
      },
      error: showError,
    });
  selectedUser$.subscribe((value) => {
    user = value;
    render();
  });

  return h('section', { class: 'card', testid: 'unattached-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Unattached profiles' }),
        h('code', { class: 'source', text: "Profile.where('user_id', null).observe()" }),
      ]),
      counter.element,
    ]),
    empty,
    list,
  ]);
}

function item(profile: Profile, user: User | null): HTMLLIElement {
  const attach = button(user ? `Attach to ${user.name}` : 'Attach', 'unattached-attach');
  attach.disabled = user === null;
  attach.title = user ? '' : 'Select a user first';
  attach.addEventListener('click', () => {
    if (user) void attempt(() => user.profileRelation().save(profile));
  });
  const remove = button('Delete', 'unattached-delete', 'danger');
  remove.addEventListener('click', () => void attempt(() => profile.delete()));
  return h('li', { class: 'plain-row', testid: 'unattached-row' }, [
    h('div', { class: 'user-text' }, [
      h('span', { class: 'user-name', text: `Profile #${profile.id}` }),
      h('span', { class: 'profile-summary', text: profile.bio }),
    ]),
    h('div', { class: 'actions' }, [attach, remove]),
  ]);
}
