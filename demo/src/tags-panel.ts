import { button, field, h, input } from './dom';
import { EmissionCounter } from './emissions';
import { db, Tag, type User } from './models';
import { attempt, showError } from './notice';
import { selectedIdentity$ } from './selection';
import { tagWith } from './tagging';

/**
 * Videos are tagged through the same `taggables` pivot as posts (MorphToMany); each tag counts
 * the posts and the videos it is on from the other side (MorphedByMany), live.
 */
export function tagsPanel(): HTMLElement {
  const counter = new EmissionCounter('tags-emissions');
  const title = input('video-title', 'Engine at work');
  const tags = input('video-tags', 'engines');
  const add = button('Add video', 'video-add', 'primary', 'submit');
  const form = h('form', { class: 'user-form', testid: 'video-form' }, [
    field('Video', title),
    field('Tags', tags),
    add,
  ]);
  form.noValidate = true;
  form.hidden = true;
  const hint = h('p', { class: 'muted', text: 'Select a user to add a video.' });
  let user: User | null = null;
  selectedIdentity$.subscribe((selected) => {
    user = selected;
    form.hidden = selected === null;
    hint.hidden = selected !== null;
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const author = user;
    if (!author) return;
    void attempt(async () => {
      await db.transaction(async () => {
        const video = await author.videosRelation().create({ title: title.value.trim() });
        await tagWith(video, tags.value, author.name);
      });
      form.reset();
    });
  });

  const list = h('ul', { class: 'user-list', testid: 'tag-counts' });
  Tag.query()
    .withCount('posts', 'videos')
    .orderBy('name')
    .observe()
    .subscribe({
      next(rows) {
        counter.tick();
        list.replaceChildren(
          ...rows.map((tag) =>
            h('li', { class: 'user-row', testid: 'tag-count-row' }, [
              h('span', {
                class: 'user-name',
                text: `${tag.name}: ${plural(tag.posts_count, 'post')}, ${plural(tag.videos_count, 'video')}`,
              }),
            ]),
          ),
        );
      },
      error: showError,
    });

  return h('section', { class: 'card', testid: 'tags-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Tags' }),
        h('code', {
          class: 'source',
          text: "Tag.query().withCount('posts', 'videos').orderBy('name').observe()",
        }),
      ]),
      counter.element,
    ]),
    h('p', {
      class: 'muted',
      text: 'Posts and videos share one taggables pivot (taggable_type names the table).',
    }),
    hint,
    form,
    list,
  ]);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
