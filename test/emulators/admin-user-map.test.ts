/** The Admin API emulator's users by email (emulators/admin-api/admin-state.ts UserMap): as a scan would find them. */
import { findUserByEmail, seedAdminState, type AdminUser } from '../../emulators/admin-api/admin-state';

const user = (accountId: string, email: string): AdminUser => ({
  ...(seedAdminState().users.values().next().value as AdminUser),
  accountId,
  email,
});

it('finds a user by email in any case, follows sets and deletes, and of two with one email the one set first', () => {
  const state = seedAdminState();
  expect(findUserByEmail(state, 'nobody@example.com')).toBeUndefined();
  state.users.set('a1', user('a1', 'Ann@Example.com'));
  expect(findUserByEmail(state, 'ann@example.COM')?.accountId).toBe('a1');
  // A changed email is a new record set in the map.
  state.users.set('a1', user('a1', 'ann.new@example.com'));
  expect(findUserByEmail(state, 'ann@example.com')).toBeUndefined();
  expect(findUserByEmail(state, 'ann.new@example.com')?.accountId).toBe('a1');
  state.users.set('b2', user('b2', 'twin@example.com'));
  state.users.set('a0', user('a0', 'twin@example.com'));
  expect(findUserByEmail(state, 'twin@example.com')?.accountId).toBe('b2');
  state.users.delete('b2');
  expect(findUserByEmail(state, 'twin@example.com')?.accountId).toBe('a0');
  state.users.clear();
  expect(findUserByEmail(state, 'twin@example.com')).toBeUndefined();
});
