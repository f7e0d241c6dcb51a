import type { Subscription } from 'rxjs';
import { button, field, h, input } from './dom';
import { EmissionCounter } from './emissions';
import { db, Post, type Tag, type Tagging, User } from './models';
import { attempt, showError } from './notice';
import { selectedIdentity$ } from './selection';
import { tagWith } from './tagging';

type ListedPost = Post & { tags: (Tag & { pivot: Tagging })[]; comments_count: number };

/**
 * The selected user's posts (HasMany), each with its tags (MorphToMany, with the pivot's
 * `added_by`) and its number of comments (a polymorphic MorphMany, counted by `withCount`), live.
 */
export function blogPanel(): HTMLElement {
  const counter = new EmissionCounter('posts-emissions');
  const title = input('post-title', 'Notes on the engine');
  const tags = input('post-tags', 'math, engines');
  const add = button('Add post', 'post-add', 'primary', 'submit');
  const form = h('form', { class: 'user-form', testid: 'post-form' }, [
    field('Title', title),
    field('Tags', tags),
    add,
  ]);
  form.noValidate = true;
  const list = h('ul', { class: 'user-list', testid: 'post-list' });
  const body = h('div', {}, [
    h('p', { class: 'muted', text: 'Select a user to see their posts.' }),
  ]);
  let user: User | null = null;
  let subscription: Subscription | undefined;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const author = user;
    if (!author) return;
    void attempt(async () => {
      await db.transaction(async () => {
        const post = await author.postsRelation().create({ title: title.value.trim() });
        await tagWith(post, tags.value, author.name);
      });
      form.reset();
    });
  });

  selectedIdentity$.subscribe((selected) => {
    subscription?.unsubscribe();
    counter.reset();
    user = selected;
    if (!selected) {
      body.replaceChildren(h('p', { class: 'muted', text: 'Select a user to see their posts.' }));
      return;
    }
    body.replaceChildren(form, list);
    subscription = Post.where('user_id', selected.id!)
      .with('tags')
      .withCount('comments')
      .observe()
      .subscribe({
        next(posts) {
          counter.tick();
          list.replaceChildren(...posts.map((post) => postRow(post as ListedPost)));
        },
        error: showError,
      });
  });

  return h('section', { class: 'card', testid: 'blog-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Posts' }),
        h('code', {
          class: 'source',
          text: "Post.where('user_id', id).with('tags').withCount('comments').observe()",
        }),
      ]),
      counter.element,
    ]),
    body,
  ]);
}

function postRow(post: ListedPost): HTMLLIElement {
  const tagText = post.tags.map((tag) => `${tag.name} (by ${tag.pivot.added_by ?? '?'})`);
  const comment = button('Comment', 'post-comment');
  comment.addEventListener('click', () => {
    void attempt(() => post.commentsRelation().create({ body: `On “${post.title}”` }));
  });
  // Posts soft-delete: this moves the post to the trash panel, where it can be restored.
  const remove = button('Delete', 'post-delete', 'danger');
  remove.addEventListener('click', () => void attempt(() => post.delete()));
  const count = post.comments_count === 1 ? '1 comment' : `${post.comments_count} comments`;
  return h('li', { class: 'user-row', testid: 'post-row' }, [
    h('div', { class: 'user-text' }, [
      h('span', { class: 'user-name', testid: 'post-row-title', text: post.title }),
      h('span', {
        class: 'user-email',
        testid: 'post-row-tags',
        text: tagText.join(', ') || 'no tags',
      }),
      h('span', { class: 'profile-summary', testid: 'post-row-comments', text: count }),
    ]),
    h('div', { class: 'actions' }, [comment, remove]),
  ]);
}

/** Users who have posts, with their number of posts: a relation query and a count, live. */
export function postCountsPanel(): HTMLElement {
  const counter = new EmissionCounter('post-counts-emissions');
  const list = h('ul', { class: 'user-list', testid: 'post-counts' });
  const empty = h('p', {
    class: 'muted',
    testid: 'post-counts-empty',
    text: 'Nobody has posted yet.',
  });
  User.has('posts')
    .withCount('posts')
    .orderBy('name')
    .observe()
    .subscribe({
      next(users) {
        counter.tick();
        empty.hidden = users.length > 0;
        list.replaceChildren(
          ...users.map((author) =>
            h('li', { class: 'user-row', testid: 'post-count-row' }, [
              h('span', {
                class: 'user-name',
                text: `${author.name}: ${author.posts_count} ${author.posts_count === 1 ? 'post' : 'posts'}`,
              }),
            ]),
          ),
        );
      },
      error: showError,
    });
  return h('section', { class: 'card', testid: 'post-counts-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Who posts' }),
        h('code', { class: 'source', text: "User.has('posts').withCount('posts').observe()" }),
      ]),
      counter.element,
    ]),
    h('p', {
      class: 'muted',
      text: 'Deleting a user deletes their posts, videos and comments too (onDelete cascade), in one transaction.',
    }),
    empty,
    list,
  ]);
}
