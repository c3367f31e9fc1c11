import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { setupI18n } from '$lib/i18n';
import { prefs } from '$lib/stores/prefs.svelte';

setupI18n(prefs.initialLanguage());
prefs.load();

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

export default mount(App, { target });
