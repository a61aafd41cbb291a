package io.kvcache.slave.config;

import java.util.concurrent.atomic.AtomicReference;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.kvcache.command.Clients;
import io.kvcache.command.CommandTable;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.command.Handlers;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.dispatch.InfoReport;
import io.kvcache.slave.dispatch.ServerCommands;
import io.kvcache.slave.store.ActiveExpiry;
import io.kvcache.slave.store.KeyCommands;
import io.kvcache.slave.store.Keyspace;
import io.kvcache.slave.store.ListCommands;
import io.kvcache.slave.store.StringCommands;

/** The store, the command families bound to the one command table, and the dispatcher. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SlaveProperties.class)
class StoreConfiguration {

    @Bean
    Keyspace keyspace() {
        return new Keyspace(System::currentTimeMillis);
    }

    @Bean
    Clients clients(SlaveProperties properties) {
        return new Clients(properties.maxclients());
    }

    @Bean
    CommandDispatcher commandDispatcher(Keyspace keyspace, Clients clients, SlaveProperties properties) {
        CommandTable table = CommandTable.standard();
        AtomicReference<CommandDispatcher> self = new AtomicReference<>();
        InfoReport info = new InfoReport(keyspace, clients, properties.port(), self::get);
        Handlers handlers = new Handlers();
        new ConnectionCommands(table, clients, null, "cluster").register(handlers);
        new ServerCommands(keyspace, info).register(handlers);
        new StringCommands(keyspace, properties.protoMaxBulkLen().toBytes()).register(handlers);
        new KeyCommands(keyspace).register(handlers);
        new ListCommands(keyspace).register(handlers);
        CommandDispatcher dispatcher = new CommandDispatcher(table, keyspace, handlers);
        self.set(dispatcher);
        return dispatcher;
    }

    @Bean
    ActiveExpiry activeExpiry(Keyspace keyspace, CommandDispatcher dispatcher, SlaveProperties properties) {
        return new ActiveExpiry(keyspace, dispatcher, properties.hz());
    }
}
