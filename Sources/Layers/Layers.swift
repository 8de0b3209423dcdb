public enum LayersModule {}
