import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import EngineConnecting from './EngineConnecting.svelte';

describe('EngineConnecting', () => {
  it('says the app is still connecting', () => {
    render(EngineConnecting);
    expect(screen.getByTestId('engine-connecting')).toHaveTextContent(
      'Connecting to the container engine…',
    );
  });
});
