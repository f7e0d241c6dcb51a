import type { Subscription } from 'rxjs';
import { h } from './dom';
import { EmissionCounter } from './emissions';
import type { Profile, User } from './models';
import { showError } from './notice';
import { selectedIdentity$ } from './selection';

/** Two live views: `user.profile$` of the selected user, and `profile.user$` of that profile. */
export function livePanel(): HTMLElement {
  const profileCounter = new EmissionCounter('live-profile-emissions');
  const ownerCounter = new EmissionCounter('live-owner-emissions');
  const profileBody = h('div', { class: 'live-body', testid: 'live-profile' });
  const ownerBody = h('div', { class: 'live-body', testid: 'live-owner' });

  let profileSubscription: Subscription | undefined;
  let ownerSubscription: Subscription | undefined;
  let observedProfile: number | undefined;

  const followOwner = (profile: Profile | null) => {
    ownerSubscription?.unsubscribe();
    ownerCounter.reset();
    observedProfile = profile?.id;
    if (!profile) {
      showText(ownerBody, 'Waiting for a profile to observe.');
      return;
    }
    const label = `Profile #${profile.id}`;
    ownerSubscription = profile.user$.subscribe({
      next(owner) {
        ownerCounter.tick();
        ownerBody.replaceChildren(
          owner
            ? sentence(`${label} belongs to `, owner.name, ` <${owner.email}>.`)
            : sentence(`${label} belongs to `, 'no one', '.'),
        );
      },
      error: showError,
    });
  };

  selectedIdentity$.subscribe((user: User | null) => {
    profileSubscription?.unsubscribe();
    profileCounter.reset();
    followOwner(null);
    if (!user) {
      showText(profileBody, 'Select a user to observe user.profile$.');
      return;
    }
    profileSubscription = user.profile$.subscribe({
      next(profile) {
        profileCounter.tick();
        profileBody.replaceChildren(
          profile ? profileCard(profile) : sentence(`${user.name} has `, 'no profile', '.'),
        );
        // The owner view keeps following the last profile seen, so a dissociation shows there too.
        if (profile && profile.id !== observedProfile) followOwner(profile);
      },
      error: showError,
    });
  });

  return h('section', { class: 'card', testid: 'live-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Live' }),
        h('p', { class: 'muted', text: 'Updates from this tab and every other tab.' }),
      ]),
    ]),
    liveBox('user.profile$', profileCounter, profileBody),
    liveBox('profile.user$', ownerCounter, ownerBody),
  ]);
}

function liveBox(source: string, counter: EmissionCounter, body: HTMLElement): HTMLElement {
  return h('div', { class: 'live-box' }, [
    h('div', { class: 'live-head' }, [
      h('code', { class: 'source', text: source }),
      counter.element,
    ]),
    body,
  ]);
}

function profileCard(profile: Profile): HTMLElement {
  const rows: [string, string][] = [
    ['Profile', `#${profile.id}`],
    ['Bio', profile.bio],
    ['Website', profile.website ?? '—'],
    ['Location', profile.location ?? '—'],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', { text: value })]),
  );
}

function sentence(before: string, emphasis: string, after: string): HTMLElement {
  return h('p', {}, [before, h('strong', { text: emphasis }), after]);
}

function showText(body: HTMLElement, text: string): void {
  body.replaceChildren(h('p', { class: 'muted', text }));
}
