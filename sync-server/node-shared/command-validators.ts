import { Compile } from 'typebox/compile';
import { commandBodies, type CommandName } from '../contract/commands';

export type CommandValidator = ReturnType<typeof Compile>;

const validators = new Map<CommandName, CommandValidator>();

/**
 * The compiled check of a command's body, compiled once per process. The server (a desk's pushed
 * mutations) and the desk backend (a command before it enters the outbox) check the same schema
 * the same way. Compiling generates code at run time, which is why this lives on the Node side and
 * never in the renderer (its CSP forbids it).
 */
export function commandValidator(name: CommandName): CommandValidator {
  let validator = validators.get(name);
  if (!validator) {
    validator = Compile(commandBodies[name]);
    validators.set(name, validator);
  }
  return validator;
}
