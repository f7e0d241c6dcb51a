import { Post } from './models';

/** What Svelte's `$store` syntax needs of a store: RxJS Observables have it. */
interface SvelteStore<T> {
  subscribe(run: (value: T) => void): { unsubscribe(): void } | (() => void);
}

// In a .svelte file: `{#each $posts$ as post}<li>{post.title}</li>{/each}`
export const posts$: SvelteStore<Post[]> = Post.query().orderBy('title').observe();
