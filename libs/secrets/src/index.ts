export {
  SecretBox,
  SecretsError,
  type RandomBytes,
  type SecretKey,
  type SecretsErrorCode,
} from './secret-box';
