// GitHub Action, post step.
import { runPost } from './platform/github/post.js';

runPost();
