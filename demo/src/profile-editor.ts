import { combineLatest, map, of, switchMap } from 'rxjs';
import { button, field, h, input } from './dom';
import type { Profile, ProfileAttributes, User } from './models';
import { attempt, showError } from './notice';
import { selectedIdentity$ } from './selection';

/** Edits the selected user's profile: create, save, dissociate. */
export function profileEditor(): HTMLElement {
  const heading = h('h2', { text: 'Profile' });
  const owner = h('p', { class: 'muted', testid: 'editor-user' });
  const bio = h('textarea', {
    testid: 'profile-bio',
    attrs: { rows: '2', placeholder: 'Wrote the first program.' },
  });
  const website = input('profile-website', 'https://example.com', 'url');
  const location = input('profile-location', 'London');
  const status = h('p', { class: 'status', testid: 'profile-status' });
  const create = button('Create profile', 'profile-create', 'primary', 'submit');
  const save = button('Save', 'profile-save', 'primary', 'submit');
  const dissociate = button('Dissociate', 'profile-dissociate', 'plain');
  dissociate.title = "Sets the profile's user_id to null; the profile itself is kept.";
  const form = h('form', { class: 'profile-form', testid: 'profile-form' }, [
    field('Bio', bio),
    h('div', { class: 'pair' }, [field('Website', website), field('Location', location)]),
    status,
    h('div', { class: 'actions' }, [create, save, dissociate]),
  ]);
  form.noValidate = true;
  const placeholder = h('p', {
    class: 'muted',
    testid: 'editor-empty',
    text: 'Select a user to edit their profile.',
  });

  let user: User | null = null;
  let profile: Profile | null = null;
  // Edits in progress are kept when another tab changes the same profile.
  let edited = false;

  /** The form's values; an emptied optional field is `undefined`, which removes it on save. */
  const values = (): Partial<ProfileAttributes> => ({
    bio: bio.value.trim(),
    website: website.value.trim() || undefined,
    location: location.value.trim() || undefined,
  });

  /** The form's values for a new profile: empty optional fields are left out. */
  const newValues = (): Partial<ProfileAttributes> => {
    const all = values();
    return {
      bio: all.bio,
      ...(all.website ? { website: all.website } : {}),
      ...(all.location ? { location: all.location } : {}),
    };
  };

  const fill = () => {
    bio.value = profile?.bio ?? '';
    website.value = profile?.website ?? '';
    location.value = profile?.location ?? '';
    edited = false;
  };

  const render = () => {
    form.hidden = user === null;
    placeholder.hidden = user !== null;
    owner.textContent = user ? `of ${user.name} <${user.email}>` : '';
    create.hidden = profile !== null;
    save.hidden = profile === null;
    dissociate.hidden = profile === null;
    status.textContent = !user
      ? ''
      : !profile
        ? `${user.name} has no profile yet.`
        : `Profile #${profile.id} is stored${edited ? ' · unsaved changes' : ''}.`;
  };

  for (const control of [bio, website, location]) {
    control.addEventListener('input', () => {
      edited = true;
      render();
    });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = user;
    if (!current) return;
    void attempt(async () => {
      if (profile) {
        profile.fill(values());
        await profile.save();
      } else {
        await current.profileRelation().create(newValues());
      }
      edited = false;
      render();
    });
  });

  dissociate.addEventListener('click', () => {
    const current = user;
    if (current) void attempt(() => current.profileRelation().dissociate());
  });

  selectedIdentity$
    .pipe(
      switchMap((selected) =>
        selected
          ? combineLatest([of(selected), selected.profile$])
          : of<[User | null, Profile | null]>([null, null]),
      ),
      map(([selected, related]) => ({ selected, related })),
    )
    .subscribe({
      next({ selected, related }) {
        const moved = selected?.id !== user?.id || related?.id !== profile?.id;
        user = selected;
        profile = related;
        if (moved || !edited) fill();
        render();
      },
      error: showError,
    });

  return h('section', { class: 'card', testid: 'profile-editor' }, [
    h('header', { class: 'card-head' }, [h('div', {}, [heading, owner])]),
    placeholder,
    form,
  ]);
}
