// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { engineLabel } from './engines';

describe('engineLabel', () => {
  it('keeps names and short addresses as they are', () => {
    expect(engineLabel('desktop-linux')).toBe('desktop-linux');
    expect(engineLabel('unix:///var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
  });

  it('shortens long socket paths to the part that tells them apart', () => {
    const a = engineLabel('unix:///tmp/sw.rBi0fY/docker/docker.sock');
    const b = engineLabel('unix:///tmp/sw.rBi0fY/f31600/docker/docker.sock');
    expect(a).toBe('…/sw.rBi0fY/docker/docker.sock');
    expect(b).toBe('…/f31600/docker/docker.sock');
    expect(a).not.toBe(b);
  });

  it('drops the scheme of a long remote address', () => {
    expect(engineLabel('tcp://build-server.example.com:2376')).toBe(
      'build-server.example.com:2376',
    );
  });
});
