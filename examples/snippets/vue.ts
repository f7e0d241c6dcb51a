import { useLive } from 'dexorm/vue';
import { defineComponent, h } from 'vue';
import { Author } from './models';

export const AuthorList = defineComponent({
  props: { minimum: { type: Number, default: 1 } },
  setup(props) {
    // Reads props.minimum, so the list re-subscribes when it changes.
    const authors = useLive(() => Author.has('posts', '>=', props.minimum).observe(), []);
    return () =>
      h(
        'ul',
        authors.value.map((author) => h('li', { key: author.id }, author.name)),
      );
  },
});
