import { button, field, h, input } from './dom';
import { EmissionCounter } from './emissions';
import { db, type Profile, User } from './models';
import { attempt, showError } from './notice';
import { select, selectedKey$ } from './selection';

type UserWithProfile = User & { profile: Profile | null };

/** Users: an add form and a list live from `User.query().with('profile').observe()`. */
export function usersPanel(): HTMLElement {
  const counter = new EmissionCounter('users-emissions');
  const name = input('user-name', 'Ada Lovelace');
  const email = input('user-email', 'ada@example.com', 'email');
  const add = button('Add user', 'user-add', 'primary', 'submit');
  const form = h('form', { class: 'user-form', testid: 'user-form' }, [
    field('Name', name),
    field('Email', email),
    add,
  ]);
  // The library validates; the browser's own checks would hide its errors.
  form.noValidate = true;
  const list = h('ul', { class: 'user-list', testid: 'user-list' });
  const empty = h('p', { class: 'muted', testid: 'users-empty', text: 'No users yet.' });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void attempt(async () => {
      const user = await User.create({ name: name.value.trim(), email: email.value.trim() });
      form.reset();
      select(user.id ?? null);
    });
  });

  let users: UserWithProfile[] = [];
  let selected: number | null = null;

  const render = () => {
    empty.hidden = users.length > 0;
    list.replaceChildren(...users.map((user) => row(user, user.id === selected)));
  };

  User.query()
    .with('profile')
    .observe()
    .subscribe({
      next(value) {
        counter.tick();
        users = value;
        render();
      },
      error: showError,
    });
  selectedKey$.subscribe((key) => {
    selected = key;
    render();
  });

  return h('section', { class: 'card', testid: 'users-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Users' }),
        h('code', { class: 'source', text: "User.query().with('profile').observe()" }),
      ]),
      counter.element,
    ]),
    form,
    empty,
    list,
  ]);
}

function row(user: UserWithProfile, isSelected: boolean): HTMLLIElement {
  const summary = user.profile
    ? h('span', { class: 'profile-summary', testid: 'user-profile', text: user.profile.bio })
    : h('span', { class: 'profile-summary muted', testid: 'user-profile', text: 'no profile' });
  const choose = button(isSelected ? 'Selected' : 'Select', 'user-select');
  choose.disabled = isSelected;
  choose.addEventListener('click', () => select(user.id ?? null));
  const remove = button('Delete', 'user-delete', 'danger');
  remove.addEventListener('click', () => {
    void attempt(() =>
      // The user and their profile go together, or not at all.
      db.transaction(async () => {
        await user.profileRelation().query().delete();
        await user.delete();
      }),
    );
  });
  const item = h('li', { class: 'user-row', testid: 'user-row' }, [
    h('div', { class: 'user-text' }, [
      h('span', { class: 'user-name', testid: 'user-row-name', text: user.name }),
      h('span', { class: 'user-email', testid: 'user-row-email', text: user.email }),
      summary,
    ]),
    h('div', { class: 'actions' }, [choose, remove]),
  ]);
  if (isSelected) item.setAttribute('aria-current', 'true');
  return item;
}
