import type { Observable } from 'rxjs';
import { Post } from './models';

// In an Angular component: `@for (post of posts$ | async; track post.id) { <li>{{ post.title }}</li> }`
export class PostListComponent {
  readonly posts$: Observable<Post[]> = Post.query().orderBy('title').observe();
}
