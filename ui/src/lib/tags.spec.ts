// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { parseName, TAG_ERRORS, validatePullReference, validateTag, withDefaultTag } from './tags';

describe('validateTag', () => {
  it.each([
    'busybox',
    'busybox:latest',
    'demo/app:1.0',
    'my-org/my_app__x:v1.2.3-rc_1',
    'a.b-c/d',
    'localhost/app',
    'localhost:5000/app:dev',
    '127.0.0.1:5000/a/b:1',
    'registry.example.com/team/app:2024.05',
    'Registry.Example.com:443/app',
    'app:_private',
    'app:UPPER_case.tag',
  ])('accepts %s', (name) => {
    expect(validateTag(name)).toBeNull();
  });

  it.each([
    ['', TAG_ERRORS.empty],
    ['Not Valid', TAG_ERRORS.whitespace],
    ['app@sha256:abc', TAG_ERRORS.digest],
    ['MyApp', TAG_ERRORS.uppercase],
    ['demo/App:1', TAG_ERRORS.uppercase],
    ['demo//app', TAG_ERRORS.emptyComponent],
    ['demo/', TAG_ERRORS.emptyComponent],
    ['-app', TAG_ERRORS.component],
    ['app-', TAG_ERRORS.component],
    ['a..b', TAG_ERRORS.component],
    ['a___b', TAG_ERRORS.component],
    ['a!b', TAG_ERRORS.component],
    ['app:', TAG_ERRORS.tag],
    ['app:-x', TAG_ERRORS.tag],
    ['app:x/y', TAG_ERRORS.host],
    ['app:ta+g', TAG_ERRORS.tag],
    [`app:${'x'.repeat(129)}`, TAG_ERRORS.tagTooLong],
    [`${'a'.repeat(256)}:1`, TAG_ERRORS.tooLong],
    ['bad_host.com:5000/app', TAG_ERRORS.host],
    ['a'.repeat(64), TAG_ERRORS.hexName],
  ])('refuses %j with %s', (name, key) => {
    expect(validateTag(name)).toBe(key);
  });

  it('allows a tag of exactly 128 characters', () => {
    expect(validateTag(`app:${'x'.repeat(128)}`)).toBeNull();
  });
});

describe('parseName', () => {
  it('finds the registry host only when the first component looks like one', () => {
    expect(parseName('localhost:5000/a/b:1')).toEqual({
      host: 'localhost:5000',
      path: 'a/b',
      tag: '1',
    });
    expect(parseName('library/busybox')).toEqual({
      host: null,
      path: 'library/busybox',
      tag: null,
    });
  });
});

describe('withDefaultTag', () => {
  it('adds :latest like docker', () => {
    expect(withDefaultTag('demo/app')).toBe('demo/app:latest');
    expect(withDefaultTag('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(withDefaultTag('demo/app:1')).toBe('demo/app:1');
  });
});

describe('validatePullReference', () => {
  it('takes a name, a tag or a digest', () => {
    expect(validatePullReference('busybox')).toBeNull();
    expect(validatePullReference('127.0.0.1:5000/team/app:1.2')).toBeNull();
    expect(validatePullReference(`app@sha256:${'a'.repeat(64)}`)).toBeNull();
  });

  it('says what is wrong as the user types', () => {
    expect(validatePullReference('')).toBe('tags.error.empty');
    expect(validatePullReference('App:1')).toBe('tags.error.uppercase');
    expect(validatePullReference('app@sha256:xyz')).toBe('tags.error.badDigest');
  });
});
