import { describe, expect, it } from 'vitest';
import { updateCompany } from '../../api/schemas.js';

describe('changing a company', () => {
  it('changes only the fields sent: a rename keeps the language, recipients and opt-outs of its notices', () => {
    expect(updateCompany.parse({ name: 'Acme Europe' })).toEqual({ name: 'Acme Europe' });
    expect(updateCompany.parse({})).toEqual({});
  });
});
