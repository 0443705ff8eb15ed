// Where backups go: a local directory or an S3 prefix (s3://bucket/prefix), as a place to put and
// get named files. S3 is reached with the AWS SDK's default credentials (an instance role on EC2,
// or AWS_* variables); SSO_S3_ENDPOINT names an S3-compatible endpoint instead of AWS's.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../errors.ts';

/** A folder of backup files. */
export interface BackupLocation {
  /** How to name it to the operator (a path or an s3:// URL), ending without a slash. */
  readonly name: string;
  put(file: string, data: Buffer): Promise<void>;
  /** The file's content, or undefined when there is none. */
  get(file: string): Promise<Buffer | undefined>;
  /** The same kind of location, one folder deeper. */
  child(folder: string): BackupLocation;
}

/** The location `target` names: `s3://bucket[/prefix]`, or a directory. */
export async function backupLocation(
  target: string,
  env: Readonly<Record<string, string | undefined>>,
  option: string,
): Promise<BackupLocation> {
  if (/^s3:\/\//i.test(target)) {
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/i.exec(target);
    if (!match)
      throw new ValidationError(option, `not an S3 location: ${target} (s3://bucket/prefix)`);
    return s3Location(match[1]!, (match[2] ?? '').replace(/\/+$/, ''), env);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new ValidationError(option, `must be a directory or an s3:// location (got ${target})`);
  }
  return directory(resolve(target));
}

function directory(path: string): BackupLocation {
  return {
    name: path,
    async put(file, data) {
      await mkdir(path, { recursive: true, mode: 0o700 });
      await writeFile(join(path, file), data, { mode: 0o600, flag: 'wx' });
    },
    async get(file) {
      return readFile(join(path, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    },
    child: (folder) => directory(join(path, folder)),
  };
}

async function s3Location(
  bucket: string,
  prefix: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<BackupLocation> {
  // Loaded only for S3 targets.
  const { S3Client, PutObjectCommand, GetObjectCommand, NoSuchKey } =
    await import('@aws-sdk/client-s3');
  const endpoint = env.SSO_S3_ENDPOINT;
  const client = new S3Client({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  const make = (at: string): BackupLocation => {
    const key = (file: string) => (at ? `${at}/${file}` : file);
    return {
      name: `s3://${bucket}${at ? `/${at}` : ''}`,
      async put(file, data) {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key(file),
            Body: data,
            // Encrypted at rest whatever the bucket's default says.
            ServerSideEncryption: 'AES256',
          }),
        );
      },
      async get(file) {
        try {
          const object = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: key(file) }),
          );
          return Buffer.from(await object.Body!.transformToByteArray());
        } catch (error) {
          if (error instanceof NoSuchKey) return undefined;
          throw error;
        }
      },
      child: (folder) => make(at ? `${at}/${folder}` : folder),
    };
  };
  return make(prefix);
}
