export { assertNever, DomainError, type DomainErrorCode } from './domain-error';
