// A second, independent implementation of the MongoDB wire protocol for the tests:
// de.bwaldvogel's mongo-java-server with its in-memory backend. It reports itself as MongoDB and
// applies each update atomically, so the store takes its MongoDB path there (FerretDB's is the
// other). Started by test/support/mongodb-server.ts:
//   java -cp <classpath> MongoJavaServer.java <port>
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public class MongoJavaServer {
  public static void main(String[] args) throws Exception {
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind("127.0.0.1", Integer.parseInt(args[0]));
    System.out.println("listening " + server.getLocalAddress().getPort());
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    Thread.currentThread().join();
  }
}
