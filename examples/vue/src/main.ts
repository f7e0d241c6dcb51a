import { createApp } from 'vue';
import { openDatabase } from '../../shared/models';
import { App } from './App';

createApp(App, { db: openDatabase('dexorm-example-vue') }).mount('#app');
