import { describeIfMongo, freshMongoStore } from '../../test/support/mongodb-server.ts';
import { describeStoreContract } from '../contract/store-contract.ts';

describeIfMongo('mongodb backend', () => {
  describeStoreContract('mongodb', freshMongoStore);
});
