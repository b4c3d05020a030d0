//! The software BCCSP: ECDSA P-256/P-384 over SHA-2/SHA-3, key stores, SKIs.
