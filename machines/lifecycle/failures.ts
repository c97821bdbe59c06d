// Failure types workflows raise and the API and activities branch on, named once.

/** An Update the lifecycle refuses in the subject's current state; the API answers 409. */
export const ILLEGAL_OPERATION = 'IllegalOperation';

/** An Update whose input cannot be applied at all (a renewal beyond every horizon); the API answers 422. */
export const INVALID_OPERATION = 'InvalidOperation';

/** A workflow input or projection no retry can fix (a missing policy, a first run without its terms). */
export const INVALID_RECORD = 'InvalidRecord';
