import { IsOptional, IsString, Length, Matches } from 'class-validator';

/** A fake WeChat person for the emulated mini program (either flow). The same `unionid` is the same Authing user. */
export class IssueTicketDto {
  @IsOptional()
  @IsString()
  @Length(1, 64)
  nickname?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9]{5,20}$/, { message: 'phone must be 5 to 20 digits, optionally after a +' })
  phone?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'unionid must be 1 to 64 letters, digits, _ or -' })
  unionid?: string;
}
