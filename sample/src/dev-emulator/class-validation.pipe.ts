import { BadRequestException, Injectable, PipeTransform, type ArgumentMetadata } from '@nestjs/common';
import { validate, type ValidationError } from 'class-validator';

/**
 * Nest's ValidationPipe needs class-transformer; plain bodies need no transformation, so this copies the JSON
 * object onto the DTO and lets class-validator judge it. Unknown properties are refused.
 */
@Injectable()
export class ClassValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (!type || [String, Boolean, Number, Array, Object].includes(type as never)) return value;
    if (value === undefined) value = {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new BadRequestException('The body must be a JSON object');
    }
    const instance = Object.assign(Object.create(type.prototype as object) as object, value);
    const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw new BadRequestException(messages(errors));
    return instance;
  }
}

function messages(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}
